import { IsCalendarDate, IsHostBodyKey, IsWholeCents } from '../fields';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';

/** When an allocation happens: the pro-rata grant of the opening year, or the annual grants on 1 January. */
export const FundingOccasions = ['opening', 'rollover'] as const;
export type FundingOccasion = (typeof FundingOccasions)[number];

/**
 * The ledger booked a centre's funding for one fiscal year. Money is integer cents written as
 * decimal strings (exact beyond 2^53); teacher posts are hundredths of a post (2 posts = 200).
 */
export class FundingAllocatedV1 {
  /** Ledger id of this allocation (deterministic: derived from the causing event). */
  @IsUUID()
  allocationId: string;

  /** Registry id of the funded centre. */
  @IsUUID()
  centreId: string;

  /** Host body of the centre (partition key, as the registry's events). */
  @IsHostBodyKey()
  hostBodyKey: string;

  /** Official name of the host body, e.g. "Kreis Coesfeld". */
  @IsString()
  @Length(1, 200)
  hostBodyName: string;

  /** Fiscal year (calendar year) the funding is for. */
  @IsInt()
  @Min(2000)
  @Max(2100)
  fiscalYear: number;

  /** `opening` (pro rata for the rest of the opening year) or `rollover` (annual grant on 1 January). */
  @IsIn(FundingOccasions)
  occasion: FundingOccasion;

  /** `ce_id` of the event that caused the allocation: the centre-opened event, or the rollover's id. */
  @IsString()
  @Length(1, 200)
  causationEventId: string;

  /** MAIS grant for the KI staff in this allocation, in cents. */
  @IsWholeCents()
  grantCents: string;

  /** What is left of the fiscal year's MAIS budget after this allocation, in cents. */
  @IsWholeCents()
  grantBudgetRemainingCents: string;

  /** MSW teacher posts allotted, in hundredths of a post. */
  @IsInt()
  @Min(0)
  teacherPostsHundredths: number;

  /** Teacher posts still available in the fiscal year after this allocation, in hundredths. */
  @IsInt()
  @Min(0)
  teacherPostsRemainingHundredths: number;

  /** Value of the teacher posts for reporting (50,000 EUR per post), in cents; not paid out. */
  @IsWholeCents()
  teacherPostsValueCents: string;

  /** KOMM-AN NRW money (parts I and II) in this allocation, in cents; "0" when none applies. */
  @IsWholeCents()
  kommAnCents: string;

  /** Money paid out in this allocation (grant plus KOMM-AN NRW), in cents. */
  @IsWholeCents()
  totalCents: string;
}

/** Units of the ledger: money in cents, teacher posts in hundredths of a post. */
export const FundingUnits = ['EUR_CENT', 'POST_HUNDREDTH'] as const;
export type FundingUnit = (typeof FundingUnits)[number];

/** Why the ledger refused to allocate; nothing was booked. */
export const AllocationRejectionReasons = ['BUDGET_EXHAUSTED', 'CENTRE_CLOSED', 'NO_PROGRAMME_FOR_YEAR'] as const;
export type AllocationRejectionReason = (typeof AllocationRejectionReasons)[number];

/** The ledger refused a centre's funding for a fiscal year; nothing was booked. */
export class FundingAllocationRejectedV1 {
  /** Ledger id of this decision (deterministic: derived from the causing event). */
  @IsUUID()
  decisionId: string;

  /** Registry id of the centre. */
  @IsUUID()
  centreId: string;

  /** Host body of the centre (partition key). */
  @IsHostBodyKey()
  hostBodyKey: string;

  /** Official name of the host body. */
  @IsString()
  @Length(1, 200)
  hostBodyName: string;

  /** Fiscal year the refused funding was for. */
  @IsInt()
  @Min(2000)
  @Max(2100)
  fiscalYear: number;

  /** `opening` or `rollover`, as in funding-allocated. */
  @IsIn(FundingOccasions)
  occasion: FundingOccasion;

  /** `ce_id` of the event that asked for the allocation. */
  @IsString()
  @Length(1, 200)
  causationEventId: string;

  /** Stable reason code. */
  @IsIn(AllocationRejectionReasons)
  reason: AllocationRejectionReason;

  /** Human-readable explanation naming the programme and amounts involved (for operators, in English). */
  @IsString()
  @Length(1, 1000)
  detail: string;

  /** `BUDGET_EXHAUSTED`: code of the programme whose budget was too small, e.g. "MAIS_KI_GRANT". */
  @IsOptional()
  @IsString()
  @Length(1, 100)
  programmeCode?: string;

  /** `BUDGET_EXHAUSTED`: name of that programme, as in the ledger's programme data. */
  @IsOptional()
  @IsString()
  @Length(1, 300)
  programmeName?: string;

  /** `BUDGET_EXHAUSTED`: unit of `neededAmount` and `availableAmount`. */
  @IsOptional()
  @IsIn(FundingUnits)
  unit?: FundingUnit;

  /** `BUDGET_EXHAUSTED`: the share the centre would have got, in `unit` (integer, decimal string). */
  @IsOptional()
  @Matches(/^\d{1,15}$/, { message: '$property must be a non-negative whole number written as a decimal string' })
  neededAmount?: string;

  /** `BUDGET_EXHAUSTED`: what was left in the budget, in `unit` (integer, decimal string). */
  @IsOptional()
  @Matches(/^\d{1,15}$/, { message: '$property must be a non-negative whole number written as a decimal string' })
  availableAmount?: string;
}

/** The unused part of a closed centre's grant went back to the programme budgets. */
export class FundingReversedV1 {
  /** Registry id of the closed centre. */
  @IsUUID()
  centreId: string;

  /** Host body of the centre (partition key). */
  @IsHostBodyKey()
  hostBodyKey: string;

  /** Fiscal year whose bookings were reversed. */
  @IsInt()
  @Min(2000)
  @Max(2100)
  fiscalYear: number;

  /** Closing date that decided the unused months, YYYY-MM-DD. */
  @IsCalendarDate()
  closedOn: string;

  /** `ce_id` of the centre-closed event. */
  @IsString()
  @Length(1, 200)
  causationEventId: string;

  /** MAIS grant returned to the budget, in cents. */
  @IsWholeCents()
  reversedGrantCents: string;

  /** Teacher posts returned, in hundredths. */
  @IsInt()
  @Min(0)
  returnedTeacherPostsHundredths: number;

  /** KOMM-AN NRW money returned (allocations of years after the closing), in cents; absent in events before it was added. */
  @IsOptional()
  @IsWholeCents()
  reversedKommAnCents?: string;
}
