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

/**
 * Sends announcement e-mails through the configured SMTP server (nodemailer). With `requireTls`
 * an smtp:// server must offer STARTTLS (nodemailer's `requireTLS`: no message goes out in clear
 * text otherwise); smtps:// is TLS from the start.
 */
export class EmailSender {
  private readonly transport?: Transporter;

  constructor(
    smtp: { smtpUrl?: string; requireTls: boolean },
    private readonly from: string,
    timeoutMs: number,
  ) {
    this.transport = smtp.smtpUrl
      ? nodemailer.createTransport({
          url: smtp.smtpUrl,
          requireTLS: smtp.requireTls,
          connectionTimeout: timeoutMs,
          greetingTimeout: timeoutMs,
          socketTimeout: timeoutMs,
        })
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
