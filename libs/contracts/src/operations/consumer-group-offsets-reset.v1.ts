import { Type } from 'class-transformer';
import { ArrayMaxSize, IsDateString, IsIn, IsInt, IsOptional, IsString, Length, Min, ValidateNested } from 'class-validator';

/** Where one partition's committed offset was, and where the reset put it. */
export class PartitionOffsetMove {
  /** Topic as named on the broker. */
  @IsString()
  topic: string;

  @IsInt()
  @Min(0)
  partition: number;

  /** Committed offset before the reset; -1 when the group had none. */
  @IsString()
  from: string;

  /** Committed offset after the reset. */
  @IsString()
  to: string;
}

/** An operator moved the committed offsets of an empty consumer group. */
export class ConsumerGroupOffsetsResetV1 {
  /** Consumer group id on the broker. */
  @IsString()
  @Length(1, 255)
  groupId: string;

  /** What the offsets were moved to: earliest, latest, the first offset at or after a time, or one offset. */
  @IsIn(['earliest', 'latest', 'timestamp', 'offset'])
  to: 'earliest' | 'latest' | 'timestamp' | 'offset';

  /** The time (ISO 8601) of a `timestamp` reset, or the offset of an `offset` reset. */
  @IsOptional()
  @IsString()
  value?: string;

  /** Every partition whose committed offset was set, with its old and new value. */
  @ValidateNested({ each: true })
  @ArrayMaxSize(10_000)
  @Type(() => PartitionOffsetMove)
  partitions: PartitionOffsetMove[];

  /** Who reset it (key name). */
  @IsString()
  @Length(1, 200)
  resetBy: string;

  /** Why, in the operator's words; required. */
  @IsString()
  @Length(3, 2000)
  reason: string;

  @IsDateString()
  resetAt: string;
}
