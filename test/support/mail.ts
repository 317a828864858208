import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailComposerOptions } from 'nodemailer/lib/mail-composer';

/** Generated fixtures: real MIME built by nodemailer, never copied from the corpus. */
export async function composeMail(options: MailComposerOptions): Promise<Buffer> {
  return new MailComposer({ date: new Date('2024-03-05T09:30:00Z'), ...options }).compile().build();
}
