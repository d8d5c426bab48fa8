import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EventTypes } from '@ki/contracts';
import { Outbox } from '@ki/messaging';
import { SERVICE_CONFIG } from '@ki/platform';
import { DataSource, EntityManager } from 'typeorm';
import { AnnouncementRecord, findAnnouncements } from '../../announcements/database/announcements.repository';
import { NotificationsConfig } from '../../config';
import { PollingLoop } from '../../shared/polling-loop';
import { markDisabled, setFailureRun } from '../../subscriptions/database/subscriptions.repository';
import { webhookHeaders } from '../../subscriptions/domain/webhook-signature';
import {
  claimDueDeliveries,
  DueDelivery,
  giveUpPending,
  markFailed,
  markSucceeded,
  recordAttempt,
  scheduleRetry,
} from '../database/deliveries.repository';
import { afterFailedAttempt } from '../domain/retry-policy';
import { EmailSender } from './email-sender';
import { emailSubject, webhookBody } from './webhook-payload';
import { postWebhook } from './webhook-sender';

/** Deliveries attempted per round (each for another subscriber). */
const BATCH = 10;

interface Outcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * Works the deliveries table like an outbox: claims due deliveries (FOR UPDATE SKIP LOCKED, so
 * several instances share the work), attempts them, and records each outcome, the retry or the
 * giving-up, and the resulting events in the same transaction. A crash during an attempt rolls
 * the claim back, and the delivery is attempted again (receivers deduplicate by webhook-id or
 * Message-ID).
 */
@Injectable()
export class DeliveryDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: PollingLoop;
  private readonly email: EmailSender;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {
    this.loop = new PollingLoop(
      'delivery dispatcher',
      config.pollIntervalMs,
      () => this.dispatchDue(),
      new Logger(DeliveryDispatcher.name),
    );
    this.email = new EmailSender(config.mail.smtpUrl, config.mail.from, config.delivery.timeoutMs);
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    this.email.close();
  }

  /** One round: attempts the due deliveries; true when there were some. */
  dispatchDue(): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const due = await claimDueDeliveries(manager, BATCH);
      if (due.length === 0) return false;
      const announcements = new Map(
        (await findAnnouncements(manager, [...new Set(due.map((d) => d.announcementId))])).map((a) => [a.id, a]),
      );
      const outcomes = await Promise.all(due.map((d) => this.attempt(d, announcements.get(d.announcementId) as AnnouncementRecord)));
      for (const [i, delivery] of due.entries()) {
        await this.record(manager, delivery, announcements.get(delivery.announcementId) as AnnouncementRecord, outcomes[i]);
      }
      return true;
    });
  }

  private async attempt(delivery: DueDelivery, announcement: AnnouncementRecord): Promise<Outcome> {
    const startedAt = new Date();
    try {
      if (delivery.channel === 'webhook') {
        const body = webhookBody(announcement);
        const headers = webhookHeaders(delivery.secret ?? '', delivery.id, Math.floor(startedAt.getTime() / 1000), body);
        const answer = await postWebhook(delivery.target, headers, body, {
          policy: this.config.webhookTargets,
          timeoutMs: this.config.delivery.timeoutMs,
        });
        const ok = answer.statusCode >= 200 && answer.statusCode < 300;
        const error = ok ? null : `HTTP ${answer.statusCode}${answer.bodyStart ? `: ${answer.bodyStart.slice(0, 200)}` : ''}`;
        return { ok, statusCode: answer.statusCode, error, startedAt, finishedAt: new Date() };
      }
      await this.email.send({
        to: delivery.target,
        subject: emailSubject(announcement),
        text: announcement.text,
        messageId: `<${delivery.id}@notifications.ki-network.invalid>`,
        headers: { 'X-KI-Announcement-Id': announcement.id, 'X-KI-Announcement-Number': announcement.number },
      });
      return { ok: true, statusCode: null, error: null, startedAt, finishedAt: new Date() };
    } catch (err) {
      const e = err as Error & { code?: string };
      return {
        ok: false,
        statusCode: null,
        error: `${e.code ? `${e.code}: ` : ''}${e.message}`.slice(0, 1000),
        startedAt,
        finishedAt: new Date(),
      };
    }
  }

  private async record(manager: EntityManager, delivery: DueDelivery, announcement: AnnouncementRecord, outcome: Outcome): Promise<void> {
    const origin = { correlationId: announcement.correlationId };
    const attempts = delivery.attempts + 1;
    await recordAttempt(manager, delivery.id, {
      startedAt: outcome.startedAt,
      finishedAt: outcome.finishedAt,
      outcome: outcome.ok ? 'succeeded' : 'failed',
      statusCode: outcome.statusCode,
      error: outcome.error,
    });
    const common = {
      deliveryId: delivery.id,
      announcementId: announcement.id,
      subscriptionId: delivery.subscriptionId,
      channel: delivery.channel,
      hostBodyKey: announcement.hostBodyKey,
    };
    if (outcome.ok) {
      await markSucceeded(manager, delivery.id);
      await setFailureRun(manager, delivery.subscriptionId, 0, null);
      await this.outbox.add(manager, EventTypes.AnnouncementDeliverySucceededV1, { ...common, attempts }, origin);
      return;
    }
    const error = outcome.error ?? 'failed';
    const decision = afterFailedAttempt(
      { attempts, consecutiveFailures: delivery.consecutiveFailures },
      this.config.delivery,
      outcome.finishedAt,
    );
    await setFailureRun(manager, delivery.subscriptionId, decision.consecutiveFailures, error);
    if (decision.delivery.status === 'pending') {
      await scheduleRetry(manager, delivery.id, error, decision.delivery.nextAttemptAt);
    } else {
      await markFailed(manager, delivery.id, error, decision.delivery.reason);
      await this.outbox.add(
        manager,
        EventTypes.AnnouncementDeliveryFailedV1,
        { ...common, attempts, reason: decision.delivery.reason, lastError: error },
        origin,
      );
    }
    if (!decision.disableSubscriber) return;
    await markDisabled(manager, delivery.subscriptionId);
    await this.outbox.add(
      manager,
      EventTypes.SubscriberDisabledV1,
      {
        subscriptionId: delivery.subscriptionId,
        channel: delivery.channel,
        consecutiveFailures: decision.consecutiveFailures,
        lastError: error,
      },
      origin,
    );
    for (const other of await giveUpPending(manager, delivery.subscriptionId, 'SUBSCRIBER_DISABLED')) {
      await this.outbox.add(manager, EventTypes.AnnouncementDeliveryFailedV1, {
        deliveryId: other.id,
        announcementId: other.announcementId,
        subscriptionId: delivery.subscriptionId,
        channel: other.channel,
        hostBodyKey: other.hostBodyKey,
        attempts: other.attempts,
        reason: 'SUBSCRIBER_DISABLED' as const,
        lastError: other.lastError ?? `subscriber disabled after ${decision.consecutiveFailures} consecutive failures`,
      });
    }
  }
}
