import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Admin, Kafka } from 'kafkajs';
import { KAFKA_CLIENT, KAFKA_SECURITY } from './kafka-client';
import { describeKafkaFailure, KafkaSecurity } from './kafka-security';

/**
 * Reports the broker up when it answers a metadata request within the timeout; a refused login
 * is reported as such, naming the principal.
 * A failed check drops the admin connection so the next check reconnects from scratch:
 * health recovers by itself when the broker comes back.
 */
@Injectable()
export class KafkaHealthIndicator implements OnModuleDestroy {
  private admin?: Admin;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(KAFKA_SECURITY) private readonly security: KafkaSecurity,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key: string, timeoutMs = 2500) {
    const session = this.indicators.check(key);
    try {
      const cluster = await withTimeout(this.describeCluster(), timeoutMs, `no answer from the broker within ${timeoutMs} ms`);
      return session.up({ brokers: cluster.brokers.length });
    } catch (err) {
      await this.dropAdmin();
      return session.down({ message: describeKafkaFailure(err, this.security) });
    }
  }

  private async describeCluster() {
    if (!this.admin) {
      this.admin = this.kafka.admin({ retry: { retries: 0 } });
      await this.admin.connect();
    }
    return this.admin.describeCluster();
  }

  private async dropAdmin() {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  async onModuleDestroy() {
    await this.dropAdmin();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
