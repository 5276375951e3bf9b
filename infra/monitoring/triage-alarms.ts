import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { TicketQueues } from '../queues/ticket-queues.ts';

export interface TriageAlarmsProps {
  readonly queues: TicketQueues;

  /** The state machines whose failed executions raise an alarm, by a short name used in the alarm's id. */
  readonly stateMachines: Readonly<Record<string, sfn.IStateMachine>>;

  /**
   * The rejected queue alarms when it holds at least this many messages.
   *
   * @default 1 (every rejection is worth a look)
   */
  readonly rejectedDepthThreshold?: number;

  /**
   * The rejected queue alarms when its oldest message is older than this
   * (nobody is reading the rejections).
   *
   * @default Duration.hours(24)
   */
  readonly rejectedMaxAge?: Duration;

  /**
   * An SNS topic every alarm notifies (on ALARM and back to OK).
   *
   * @default - alarms without actions (visible in the CloudWatch console)
   */
  readonly alarmTopicArn?: string;
}

/**
 * CloudWatch alarms on what needs a person:
 *
 * - the input dead-letter queue has messages (tickets whose execution could not be started);
 * - the rejected queue has messages, or its oldest message is old (rejections nobody reads);
 * - each state machine has failed executions (for classify-ticket: a ticket was not
 *   classified; its reason is on the rejected queue).
 *
 * Missing data (no traffic) is not breaching.
 */
export class TriageAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: TriageAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const add = (alarmId: string, alarmProps: cloudwatch.AlarmProps) => {
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...alarmProps,
      });
      this.alarms.push(alarm);
      return alarm;
    };

    add('InputDeadLetterDepth', {
      alarmDescription:
        'Tickets whose classify-ticket execution could not be started are in the input dead-letter queue',
      metric: props.queues.inputDeadLetter.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    add('RejectedDepth', {
      alarmDescription: 'Tickets were rejected or could not be classified; the reasons are on the rejected queue',
      metric: props.queues.rejected.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      threshold: props.rejectedDepthThreshold ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    add('RejectedAge', {
      alarmDescription: 'Nobody is reading the rejected queue: its oldest message is old',
      metric: props.queues.rejected.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
      threshold: (props.rejectedMaxAge ?? Duration.hours(24)).toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    for (const [name, stateMachine] of Object.entries(props.stateMachines)) {
      add(`${name}FailedExecutions`, {
        alarmDescription: `${name} executions failed`,
        metric: stateMachine.metricFailed({ period, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    if (props.alarmTopicArn) {
      const action = new actions.SnsAction(sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn));
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }
}
