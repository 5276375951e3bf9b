import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface TicketQueuesProps {
  /**
   * How long a received input message stays invisible. AWS recommends at least
   * six times the timeout of the function that consumes the queue.
   *
   * @default Duration.seconds(180) (6 x the 30 s of start-classification)
   */
  readonly inputVisibilityTimeout?: Duration;

  /**
   * How often an input message may be received (and fail to start its
   * execution) before it moves to the input dead-letter queue.
   *
   * @default 5
   */
  readonly maxReceiveCount?: number;

  /**
   * How long unread messages stay in the input and output queues.
   *
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;

  /**
   * How long messages stay in the rejected queue and the dead-letter queue:
   * they wait for a person, so as long as SQS allows.
   *
   * @default Duration.days(14)
   */
  readonly deadLetterRetentionPeriod?: Duration;
}

/**
 * The queues of the classification flow:
 *
 * - `input`: tickets in; consumed by start-classification; redrives to `inputDeadLetter`
 *   after `maxReceiveCount` receives.
 * - `inputDeadLetter`: input messages whose execution could not be started
 *   (transient failures that outlasted the retries). Alarmed on depth.
 * - `output`: one classified message per ticket.
 * - `rejected`: messages that can never succeed and failed classifications,
 *   each with its reason (written by start-classification and RecordFailure).
 *
 * All: SQS-managed server-side encryption (no key policy for producers and
 * consumers to get right; use a customer managed key if your compliance needs
 * one) and a queue policy denying any request not made over TLS.
 */
export class TicketQueues extends Construct {
  readonly input: sqs.Queue;
  readonly inputDeadLetter: sqs.Queue;
  readonly output: sqs.Queue;
  readonly rejected: sqs.Queue;

  constructor(scope: Construct, id: string, props: TicketQueuesProps = {}) {
    super(scope, id);
    const retentionPeriod = props.retentionPeriod ?? Duration.days(4);
    const deadLetterRetentionPeriod = props.deadLetterRetentionPeriod ?? Duration.days(14);
    const secure = { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true } as const;

    this.inputDeadLetter = new sqs.Queue(this, 'InputDeadLetter', {
      ...secure,
      retentionPeriod: deadLetterRetentionPeriod,
    });
    this.input = new sqs.Queue(this, 'Input', {
      ...secure,
      retentionPeriod,
      visibilityTimeout: props.inputVisibilityTimeout ?? Duration.seconds(180),
      deadLetterQueue: { queue: this.inputDeadLetter, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    this.output = new sqs.Queue(this, 'Output', { ...secure, retentionPeriod });
    this.rejected = new sqs.Queue(this, 'Rejected', { ...secure, retentionPeriod: deadLetterRetentionPeriod });

    Validations.of(this.output).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'The output queue is read by the consumers of classifications, outside this stack; how often one of their messages may fail before it is set aside is theirs to choose (they can add a redrive policy), and this stack never reads it.',
    });
    Validations.of(this.rejected).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'The rejected queue is itself the dead-letter destination of the flow (records of tickets that can never succeed, with the reason) and is read by people; a dead-letter queue behind it would hold nothing.',
    });
  }
}
