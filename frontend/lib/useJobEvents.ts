import { useEffect, useMemo, useSyncExternalStore } from "react";
import {
  initialState,
  JobEventsSource,
  type JobEventsOptions,
  type JobEventsState,
} from "./jobEvents";

export interface JobEvents extends JobEventsState {
  retry: () => void;
  showAll: () => void;
  replay: () => void;
}

const IDLE = initialState();
const noop = () => {};
const idleSubscribe = () => noop;

/** Follow job `jobId` (null: none) until it finishes; see `JobEventsSource` for the rules. A
 *  new id starts from nothing; leaving the page stops every timer and request. */
export function useJobEvents(jobId: string | null, options?: JobEventsOptions): JobEvents {
  // One source per job; the options are read once, when it is made.
  const source = useMemo(
    () => (jobId ? new JobEventsSource(jobId, options) : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [jobId],
  );
  useEffect(() => {
    if (!source) return;
    source.start();
    return () => source.stop();
  }, [source]);
  const state = useSyncExternalStore(
    source?.subscribe ?? idleSubscribe,
    source?.getState ?? (() => IDLE),
    () => IDLE,
  );
  return useMemo(
    () => ({
      ...state,
      retry: () => source?.retry(),
      showAll: () => source?.showAll(),
      replay: () => source?.replay(),
    }),
    [state, source],
  );
}
