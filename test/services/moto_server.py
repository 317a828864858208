"""moto's server with two test-rig fixes for DynamoDB: transactions snapshot only the items they
touch, and a Query on the table's own key reads only that partition.

moto 5.2 deep-copies every table a TransactWriteItems names, once per item, to roll back on
failure: a transaction costs O(table size), so importing N messages costs O(N^2) (about 1 s per
transaction at 3,000 items). Here the rollback snapshot is the touched items only, and transactions
run one at a time (real DynamoDB isolates them; moto's threaded server does not). Semantics are
unchanged: on failure every touched item is put back as it was. If moto's internals move, the
patch is skipped with a warning and the server runs unpatched (slower, still correct).

moto's Query on the base table also collects and sorts every item of the table to keep one
partition's; here such a query sees only its partition (the result is identical, the cost is the
partition's size instead of the table's).

  python moto_server.py -H 127.0.0.1 -p 5055      (same arguments as `python -m moto.server`)
"""
import copy
import sys
import threading


def patch_transactions() -> None:
    try:
        from moto.dynamodb import models
        from moto.dynamodb.models.dynamo_type import DynamoType
        from moto.dynamodb.models.table import Table
        backend_cls = models.DynamoDBBackend
        original = backend_cls.transact_write_items
    except Exception as error:  # noqa: BLE001 - any import drift means: run unpatched
        print(f"[moto_server] transaction patch skipped: {error!r}", file=sys.stderr)
        return

    class TablesNotCopied:
        """Stands in for the `copy` module inside moto's models: whole tables are not copied."""

        @staticmethod
        def deepcopy(value, memo=None):
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

        def __getattr__(self, name):
            return getattr(copy, name)

    models.copy = TablesNotCopied()
    lock = threading.RLock()

    def touched(self, transact_items):
        snapshots = []
        for item in transact_items:
            _, op = next(iter(item.items()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            source = op.get("Item") or op.get("Key") or {}
            if table.hash_key_attr not in source:
                continue
            hash_value = DynamoType(source[table.hash_key_attr])
            range_value = DynamoType(source[table.range_key_attr]) if table.range_key_attr and table.range_key_attr in source else None
            before = table.get_item(hash_value, range_value) if (range_value is not None or not table.range_key_attr) else None
            snapshots.append((table, hash_value, range_value, copy.deepcopy(before)))
        return snapshots

    def restore(snapshots):
        for table, hash_value, range_value, before in reversed(snapshots):
            if range_value is not None:
                if before is None:
                    table.items[hash_value].pop(range_value, None)
                else:
                    table.items[hash_value][range_value] = before
            elif before is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = before

    def transact_write_items(self, transact_items):
        with lock:
            snapshots = touched(self, transact_items)
            try:
                return original(self, transact_items)
            except Exception:
                restore(snapshots)
                raise

    backend_cls.transact_write_items = transact_write_items


def patch_partition_queries() -> None:
    try:
        from moto.dynamodb.models.table import Table
        original_query = Table.query
        original_all_items = Table.all_items
    except Exception as error:  # noqa: BLE001
        print(f"[moto_server] query patch skipped: {error!r}", file=sys.stderr)
        return
    scope = threading.local()

    def all_items(self):
        hash_key = getattr(scope, "hash_key", None)
        if hash_key is None:
            return original_all_items(self)
        partition = self.items.get(hash_key)
        if partition is None:
            return []
        return list(partition.values()) if self.range_key_attr else [partition]

    def query(self, hash_key, *args, **kwargs):
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name:
            return original_query(self, hash_key, *args, **kwargs)
        scope.hash_key = hash_key
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            scope.hash_key = None

    Table.all_items = all_items
    Table.query = query


if __name__ == "__main__":
    patch_transactions()
    patch_partition_queries()
    from moto.server import main

    main(sys.argv[1:])
