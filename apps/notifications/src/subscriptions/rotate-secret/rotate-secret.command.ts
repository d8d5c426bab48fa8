import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Default overlap of a rotation: a day for the receiver to switch to the new secret. */
export const DEFAULT_OVERLAP_SECONDS = 24 * 3600;

/** A new signing secret for a webhook subscriber. */
export class RotateSecretCommand {
  /** How long the old secret stays valid (deliveries carry both signatures); 0 ends it at once. */
  @ApiPropertyOptional({ default: DEFAULT_OVERLAP_SECONDS, minimum: 0, maximum: 30 * 24 * 3600 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 24 * 3600)
  overlapSeconds?: number;
}
