import { inspect } from 'node:util';
import { ConfigError } from './config';
import { describeKafkaFailure, kafkaJsSecurity, readKafkaSecurity } from './kafka-security';
import { Secret } from './secret';

describe('Kafka client security settings', () => {
  it('reads SASL/SCRAM credentials and hands the password only to the client options', () => {
    const security = readKafkaSecurity({
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'ki-registry',
      KAFKA_SASL_PASSWORD: 's3cret-value',
    });
    expect(JSON.stringify(security)).not.toContain('s3cret-value');
    expect(inspect(security)).not.toContain('s3cret-value');
    expect(kafkaJsSecurity(security)).toEqual({ sasl: { mechanism: 'scram-sha-512', username: 'ki-registry', password: 's3cret-value' } });
  });

  it('names every missing or wrong variable without printing the password', () => {
    const read = () => readKafkaSecurity({ KAFKA_SASL_MECHANISM: 'kerberos', KAFKA_SASL_PASSWORD: 'hunter2-hunter2', KAFKA_TLS: 'maybe' });
    expect(read).toThrow(ConfigError);
    const message = (() => {
      try {
        read();
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    expect(message).toContain('KAFKA_SASL_MECHANISM');
    expect(message).toContain('KAFKA_SASL_USERNAME');
    expect(message).toContain('KAFKA_TLS');
    expect(message).not.toContain('hunter2');
  });

  it('uses no SASL and no TLS on a development broker', () => {
    expect(kafkaJsSecurity(readKafkaSecurity({}))).toEqual({});
  });

  it('says a refused login is an authentication failure of the named principal', () => {
    const security = { sasl: { mechanism: 'scram-sha-512' as const, username: 'ki-console', password: new Secret('x') } };
    const refused = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    expect(describeKafkaFailure(new Error('Connection error', { cause: refused }), security)).toBe(
      'Kafka authentication failed for principal ki-console (SASL SCRAM-SHA-512): the broker refused the credentials (check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD)',
    );
    expect(describeKafkaFailure(new Error('Connection timeout'), security)).toBe('Connection timeout');
  });
});
