import { Kafka, logLevel } from 'kafkajs';
import { config, kafkaName } from './config.js';

export const TOPICS = {
  paymentUpdatePayStatus: 'payment-update-paystatus',
} as const;

export const GROUPS = {
  paymentUpdatePayStatus: 'payment-update-paystatus-group',
} as const;

export function createKafka(clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: config().kafkaBrokers,
    logLevel: logLevel.ERROR,
    retry: { initialRetryTime: 200, retries: 8 },
  });
}

/** Topic and group names inside the namespace (tests run in namespaces of their own). */
export const topic = (name: keyof typeof TOPICS) => kafkaName(TOPICS[name]);
export const group = (name: keyof typeof GROUPS) => kafkaName(GROUPS[name]);
