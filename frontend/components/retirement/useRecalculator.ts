import { useEffect, useState, useSyncExternalStore } from "react";
import { initialRecalcState, Recalculator, type RecalcState } from "@/lib/retirement";

const IDLE = initialRecalcState();

/** One `Recalculator` for the life of the component, and its state; leaving the page stops
 *  its timer and its request in flight. */
export function useRecalculator(): [Recalculator, RecalcState] {
  const [recalc] = useState(() => new Recalculator());
  useEffect(() => () => recalc.stop(), [recalc]);
  const state = useSyncExternalStore(recalc.subscribe, recalc.getState, () => IDLE);
  return [recalc, state];
}
