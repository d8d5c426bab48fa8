import nodemailer, { Transporter } from 'nodemailer';

/** One e-mail to send. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Stable across retries, so a mailbox can drop duplicates. */
  messageId: string;
  headers: Record<string, string>;
}

/** Sends announcement e-mails through the configured SMTP server (nodemailer). */
export class EmailSender {
  private readonly transport?: Transporter;

  constructor(
    smtpUrl: string | undefined,
    private readonly from: string,
    timeoutMs: number,
  ) {
    this.transport = smtpUrl
      ? nodemailer.createTransport({ url: smtpUrl, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs })
      : undefined;
  }

  /** Resolves with the server's answer once it accepted the message. */
  async send(mail: OutgoingMail): Promise<string> {
    if (!this.transport) throw new Error('no SMTP server configured (NOTIFICATIONS_SMTP_URL)');
    const info = await this.transport.sendMail({ from: this.from, ...mail });
    return String(info.response ?? '');
  }

  close(): void {
    this.transport?.close();
  }
}
