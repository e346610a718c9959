import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { Store } from '../storage/store';
import type { EmailSender, OutgoingEmail, OutgoingSms, SendResult, SmsSender } from './senders';

/**
 * Where messages go while no SMS or e-mail provider is configured (never in production): kept in
 * the store, encrypted like other personal data, and shown at /dev/outbox.
 */
export class DevOutbox implements SmsSender, EmailSender {
  readonly provider = 'dev-outbox';

  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async sendSms(m: OutgoingSms): Promise<SendResult> {
    return this.keep(m.organisationId, m.requestId, 'sms', m.to, null, m.body, null, m.link);
  }

  async sendEmail(m: OutgoingEmail): Promise<SendResult> {
    return this.keep(m.organisationId, m.requestId, 'email', m.to, m.subject, m.text, m.html, m.link);
  }

  private async keep(organisationId: string, requestId: string, channel: 'sms' | 'email', to: string, subject: string | null, body: string, html: string | null, link: string): Promise<SendResult> {
    const now = this.deps.clock.now();
    const id = newId('msg', now);
    await this.deps.store.addDevOutboxEntry({ id, organisationId, requestId, channel, to, subject, body, html, link, createdAt: now });
    return { providerMessageId: `dev_${id}` };
  }
}
