// Starting an analysis from the dashboard: whether there is anything to analyse, and what a
// refusal from POST /api/analyze means for the user.
import type { ApiError } from "./errors";

export interface PortfolioContents {
  accounts: number;
  positions: number;
  cash: number;
}

export const ADD_AN_ACCOUNT =
  "Add an account with its holdings, or load the demo portfolio, to run an analysis.";
export const ADD_HOLDINGS =
  "Your accounts hold nothing yet: add your holdings or a cash balance to run an analysis.";

/** What the user must add before an analysis can start; null when there is something to
 *  analyse. An account with neither positions nor cash would produce a report about $0. */
export function whatToAdd(p: PortfolioContents): string | null {
  if (p.accounts === 0) return ADD_AN_ACCOUNT;
  if (p.positions === 0 && p.cash <= 0) return ADD_HOLDINGS;
  return null;
}

export interface StartFailure {
  message: string;
  /** The server found nothing to analyse (its 422 names the `accounts` field). */
  nothingToAnalyse: boolean;
}

/** The sentence to show when POST /api/analyze refuses. */
export function startFailure(err: ApiError): StartFailure {
  if (err.status === 422 && err.fieldMessage("accounts") !== undefined)
    return { message: ADD_AN_ACCOUNT, nothingToAnalyse: true };
  if (err.status === 429 && err.retryAfter)
    return {
      message: `${err.message} Try again in ${Math.ceil(err.retryAfter / 60)} min.`,
      nothingToAnalyse: false,
    };
  return { message: err.message, nothingToAnalyse: false };
}
