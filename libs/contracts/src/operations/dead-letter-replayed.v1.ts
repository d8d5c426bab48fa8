import { IsDateString, IsInt, IsString, Length, Min } from 'class-validator';

/** An operator sent a dead-lettered message back to its original topic. */
export class DeadLetterReplayedV1 {
  /** `ce_id` of the replayed event; unchanged, so consumers that already handled it skip it. */
  @IsString()
  @Length(1, 200)
  eventId: string;

  /** Dead-letter topic, partition and offset the message was taken from. */
  @IsString()
  deadLetterTopic: string;

  @IsInt()
  @Min(0)
  deadLetterPartition: number;

  @IsString()
  deadLetterOffset: string;

  /** Topic the message went back to. */
  @IsString()
  topic: string;

  /** Partition and offset of the replayed copy: the id of the new message. */
  @IsInt()
  @Min(0)
  partition: number;

  @IsString()
  offset: string;

  /** Who replayed it (operator or key name). */
  @IsString()
  @Length(1, 200)
  replayedBy: string;

  /** Why, in the operator's words; required. */
  @IsString()
  @Length(3, 2000)
  reason: string;

  @IsDateString()
  replayedAt: string;
}
