import { ApiProperty } from '@nestjs/swagger';
import { IsDateString, IsString, Length, Matches } from 'class-validator';

/** Open a registered centre on a date, with the place of the opening event. */
export class OpenCentreCommand {
  @ApiProperty({ example: '2016-02-12' })
  @IsDateString({ strict: true }, { message: 'openedOn must be a valid calendar date YYYY-MM-DD' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'openedOn must be a calendar date YYYY-MM-DD' })
  openedOn: string;

  @ApiProperty({ example: 'Lüdinghausen' })
  @IsString()
  @Length(2, 200)
  place: string;
}
