import { useCallback, useEffect, useRef, useState } from "react";
import { api, type ApiError } from "./api";

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | Error | null;
  loading: boolean;
  reload: () => Promise<void>;
  setData: (d: T) => void;
}

interface Answer<T> {
  /** The path this answer is for: `loading` is derived from it rather than stored. */
  path: string | null;
  data: T | undefined;
  error: ApiError | Error | null;
}

/** GET a resource on mount (and when `path` changes); `path === null` waits. */
export function useApi<T>(path: string | null): Resource<T> {
  const [answer, setAnswer] = useState<Answer<T>>({ path: null, data: undefined, error: null });
  const [reloading, setReloading] = useState(false);
  // Only the latest request may store its answer: a slower, older one must not overwrite it.
  const latest = useRef(0);

  const fetchPath = useCallback(async (p: string) => {
    const request = ++latest.current;
    try {
      const data = await api<T>(p);
      if (latest.current === request) setAnswer({ path: p, data, error: null });
    } catch (e) {
      if (latest.current === request)
        setAnswer((prev) => ({ ...prev, path: p, error: e as Error }));
    }
  }, []);

  useEffect(() => {
    if (path === null)
      latest.current++; // drops any answer still on its way
    else void fetchPath(path);
  }, [path, fetchPath]);

  const reload = useCallback(async () => {
    if (path === null) return;
    setReloading(true);
    try {
      await fetchPath(path);
    } finally {
      setReloading(false);
    }
  }, [path, fetchPath]);

  const setData = useCallback((data: T) => setAnswer((prev) => ({ ...prev, data })), []);
  const loading = path !== null && (answer.path !== path || reloading);
  return { data: answer.data, error: answer.error, loading, reload, setData };
}
