import { ApiProperty } from '@nestjs/swagger';
import { IsDateString, IsString, Length, Matches } from 'class-validator';

/** Close an open centre. */
export class CloseCentreCommand {
  @ApiProperty({ example: '2020-12-31' })
  @IsDateString({ strict: true }, { message: 'closedOn must be a valid calendar date YYYY-MM-DD' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'closedOn must be a calendar date YYYY-MM-DD' })
  closedOn: string;

  @ApiProperty({ example: 'Merged into the neighbouring centre' })
  @IsString()
  @Length(3, 1000)
  reason: string;
}
