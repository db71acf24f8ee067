import { useState, type FormEvent } from "react";
import { AllocationEditor } from "@/components/ProfileForm";
import { Button, SelectField, TextField } from "@/components/ui";
import { api, ApiError } from "@/lib/api";
import {
  allocationError,
  ASSET_CLASSES,
  fromForm,
  REGIONS,
  SECTORS,
  toForm,
  type Weights,
} from "@/lib/allocation";
import { label } from "@/lib/format";
import type { Instrument } from "@/lib/types";

const TYPES = ["etf", "mutual_fund", "stock", "bond", "bond_fund", "commodity", "reit"];

/** The user's own classification of an instrument they hold: asset class, regions and sectors,
 *  each totalling 100. It applies to their portfolio only. `yours` (their current one) fills
 *  the form and offers to remove it. */
export function ClassifyForm({
  symbol,
  name: initialName,
  type: initialType,
  yours,
  onDone,
  onCancel,
}: {
  symbol: string;
  name?: string;
  type?: string | null;
  yours?: Instrument | null;
  onDone: (removed?: boolean) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(initialName && initialName !== symbol ? initialName : "");
  const [type, setType] = useState(
    initialType && TYPES.includes(initialType) ? initialType : "stock",
  );
  const [assets, setAssets] = useState<Weights>(
    toForm(ASSET_CLASSES, yours?.allocation_asset_class ?? { equity: 100 }),
  );
  const [regions, setRegions] = useState<Weights>(
    toForm(REGIONS, yours?.allocation_regions ?? { north_america: 100 }),
  );
  const [sectors, setSectors] = useState<Weights>(toForm(SECTORS, yours?.allocation_sectors ?? {}));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const invalid =
    !name.trim() ||
    !!allocationError(assets) ||
    !!allocationError(regions) ||
    !!allocationError(sectors);

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await api(`/api/instruments/${encodeURIComponent(symbol)}/classification`, {
        method: "DELETE",
      });
      onDone(true);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api(`/api/instruments/${encodeURIComponent(symbol)}/classification`, {
        method: "PUT",
        body: {
          name: name.trim(),
          instrument_type: type,
          allocation_asset_class: fromForm(assets),
          allocation_regions: fromForm(regions),
          allocation_sectors: fromForm(sectors),
        },
      });
      onDone();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="space-y-4" aria-label={`Classify ${symbol}`}>
      <p className="text-sm text-slate-600">
        Alex never invents a breakdown for an instrument it does not know. Tell it what{" "}
        <strong className="font-mono">{symbol}</strong> holds — or leave it and the Tagger agent
        will classify it during the next analysis.
      </p>
      <p
        className="rounded-lg bg-brand-50 px-3 py-2 text-xs text-ink-700"
        data-testid="classify-scope"
      >
        Your classification and name apply to your portfolio only; nobody else who holds {symbol}{" "}
        sees them.
      </p>
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label="Instrument name"
          name="instrument_name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. Acme Corp."
          error={error?.fieldMessage("name")}
        />
        <SelectField
          label="Instrument type"
          name="instrument_type"
          value={type}
          onChange={(e) => setType(e.target.value)}
        >
          {TYPES.map((t) => (
            <option key={t} value={t}>
              {label(t)}
            </option>
          ))}
        </SelectField>
      </div>
      <AllocationEditor
        legend="Asset class"
        keys={ASSET_CLASSES}
        value={assets}
        onChange={setAssets}
        testId="classify-asset"
        serverError={error?.fieldMessage("allocation_asset_class")}
      />
      <AllocationEditor
        legend="Regions"
        keys={REGIONS}
        value={regions}
        onChange={setRegions}
        testId="classify-region"
        serverError={error?.fieldMessage("allocation_regions")}
      />
      <AllocationEditor
        legend="Sectors"
        keys={SECTORS}
        value={sectors}
        onChange={setSectors}
        testId="classify-sector"
        serverError={error?.fieldMessage("allocation_sectors")}
      />
      {error && !error.fields.length && (
        <p role="alert" className="text-sm text-bad">
          {error.message}
        </p>
      )}
      <div className="flex flex-wrap justify-end gap-2">
        {yours && (
          <Button
            type="button"
            variant="danger"
            className="mr-auto"
            disabled={busy}
            onClick={remove}
          >
            Remove my classification
          </Button>
        )}
        <Button type="button" variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" busy={busy} disabled={invalid}>
          Save classification
        </Button>
      </div>
    </form>
  );
}
