import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** A fiscal year (calendar year) in a query string or path, converted to a number and checked. */
export const IsFiscalYear = () =>
  applyDecorators(
    Type(() => Number),
    IsInt(),
    Min(2000),
    Max(2100),
  );
