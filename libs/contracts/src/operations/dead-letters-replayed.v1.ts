import { ArrayMaxSize, IsDateString, IsInt, IsOptional, IsString, IsUUID, Length, Min } from 'class-validator';

/** An operator sent a batch of dead letters, chosen by a filter, back to their topics: one record per batch. */
export class DeadLettersReplayedV1 {
  /** Id of the batch; every replayed copy carries it in its `ki_replay_batch` header. */
  @IsUUID()
  batchId: string;

  /** The filter as given: error code, event type, consumer group and the failedAt range (ISO 8601). */
  @IsOptional()
  @IsString()
  reason?: string;

  @IsOptional()
  @IsString()
  type?: string;

  @IsOptional()
  @IsString()
  consumerGroup?: string;

  @IsOptional()
  @IsDateString()
  failedFrom?: string;

  @IsOptional()
  @IsDateString()
  failedTo?: string;

  /** Dead letters sent back. */
  @IsInt()
  @Min(0)
  replayed: number;

  /** Dead letters left alone: their consumer group had already handled the event id. */
  @IsInt()
  @Min(0)
  alreadyHandled: number;

  /** `ce_id`s of the replayed events, every one (a batch holds at most 1,000). */
  @IsString({ each: true })
  @ArrayMaxSize(1000)
  eventIds: string[];

  /** Who replayed the batch (key name). */
  @IsString()
  @Length(1, 200)
  replayedBy: string;

  /** Why, in the operator's words; required. */
  @IsString()
  @Length(3, 2000)
  replayReason: string;

  @IsDateString()
  replayedAt: string;
}
