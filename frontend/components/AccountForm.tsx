import { useState, type FormEvent } from "react";
import { Button, SelectField, TextField } from "@/components/ui";
import { api, ApiError } from "@/lib/api";
import { label } from "@/lib/format";
import type { Account } from "@/lib/types";

export const ACCOUNT_TYPES = [
  "401k",
  "roth_401k",
  "403b",
  "traditional_ira",
  "roth_ira",
  "sep_ira",
  "hsa",
  "529",
  "taxable",
  "other",
] as const;

export function AccountForm({
  account,
  onDone,
  onCancel,
}: {
  account?: Account;
  onDone: (a: Account) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(account?.account_name ?? "");
  const [type, setType] = useState<string>(account?.account_type ?? "401k");
  const [purpose, setPurpose] = useState(account?.account_purpose ?? "");
  const [cash, setCash] = useState(account ? String(Number(account.cash_balance)) : "0");
  const [interest, setInterest] = useState(account ? String(Number(account.cash_interest)) : "0");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = {
        account_name: name.trim(),
        account_type: type,
        account_purpose: purpose.trim(),
        cash_balance: Number(cash || 0),
        cash_interest: Number(interest || 0),
      };
      const saved = account
        ? await api<Account>(`/api/accounts/${account.id}`, { method: "PATCH", body })
        : await api<Account>("/api/accounts", { method: "POST", body });
      onDone(saved);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const fe = (f: string) => error?.fieldMessage(f);
  return (
    <form
      onSubmit={submit}
      className="space-y-4"
      aria-label={account ? "Edit account" : "New account"}
    >
      <TextField
        label="Account name"
        name="account_name"
        required
        value={name}
        onChange={(e) => setName(e.target.value)}
        placeholder="e.g. Acme 401(k)"
        error={fe("account_name")}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField
          label="Account type"
          name="account_type"
          value={type}
          onChange={(e) => setType(e.target.value)}
          error={fe("account_type")}
        >
          {ACCOUNT_TYPES.map((t) => (
            <option key={t} value={t}>
              {label(t)}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Purpose"
          name="account_purpose"
          value={purpose}
          onChange={(e) => setPurpose(e.target.value)}
          placeholder="e.g. Long-term retirement"
          error={fe("account_purpose")}
        />
        <TextField
          label="Cash balance"
          name="cash_balance"
          type="number"
          min={0}
          step="any"
          prefix="$"
          value={cash}
          onChange={(e) => setCash(e.target.value)}
          error={fe("cash_balance")}
        />
        <TextField
          label="Cash interest rate"
          name="cash_interest"
          type="number"
          min={0}
          max={100}
          step="any"
          suffix="%"
          value={interest}
          onChange={(e) => setInterest(e.target.value)}
          error={fe("cash_interest")}
        />
      </div>
      {error && !error.fields.length && (
        <p role="alert" className="text-sm text-bad">
          {error.message}
        </p>
      )}
      <div className="flex justify-end gap-2 pt-2">
        <Button type="button" variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" busy={busy} disabled={!name.trim()}>
          {account ? "Save changes" : "Create account"}
        </Button>
      </div>
    </form>
  );
}
