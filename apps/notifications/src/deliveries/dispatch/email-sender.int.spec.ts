import { startSmtpReceiver } from '../../test-support/smtp-receiver';
import { EmailSender } from './email-sender';

describe('sending e-mail', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;

  beforeAll(async () => {
    smtp = await startSmtpReceiver(); // a real SMTP server that offers no STARTTLS
  });

  afterAll(() => smtp.close());

  const mail = (messageId: string) => ({
    to: 'presse@example.org',
    subject: 'Eröffnung',
    text: 'Kreis Coesfeld',
    messageId,
    headers: {},
  });

  it('sends nothing in clear text to a server without STARTTLS while TLS is required', async () => {
    const sender = new EmailSender({ smtpUrl: smtp.url, requireTls: true }, 'ki@example.org', 5000);
    try {
      await expect(sender.send(mail('<tls-required@ki.test>'))).rejects.toThrow(/STARTTLS/i);
      expect(smtp.received).toHaveLength(0);
    } finally {
      sender.close();
    }
  });

  it('sends in clear text only where TLS is explicitly not required', async () => {
    const sender = new EmailSender({ smtpUrl: smtp.url, requireTls: false }, 'ki@example.org', 5000);
    try {
      await sender.send(mail('<plain-allowed@ki.test>'));
      expect(smtp.received.map((m) => m.messageId)).toEqual(['<plain-allowed@ki.test>']);
    } finally {
      sender.close();
    }
  });
});
