// "Your data": download everything Alex stores about you, or delete it all. Deleting also
// ends every session the account had (the server refuses tokens issued before it).
import { useState } from "react";
import { useToast } from "@/components/Toast";
import { Button, Card, ConfirmDialog } from "@/components/ui";
import { api } from "@/lib/api";
import { saveText } from "@/lib/download";
import { useAuth } from "@/lib/auth";

export function exportFileName(now: Date): string {
  return `alex-export-${now.toISOString().slice(0, 10)}.json`;
}

export function DataControls({ accountCount }: { accountCount: number }) {
  const toast = useToast();
  const { signOut } = useAuth();
  const [exporting, setExporting] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);

  const download = async () => {
    setExporting(true);
    try {
      const data = await api<unknown>("/api/user/export");
      saveText(JSON.stringify(data, null, 2), exportFileName(new Date()), "application/json");
      toast.success("Your data was downloaded");
    } catch (e) {
      toast.error(e);
    } finally {
      setExporting(false);
    }
  };

  const remove = async () => {
    setDeleting(true);
    try {
      await api("/api/user", { method: "DELETE" });
    } catch (e) {
      toast.error(e);
      setDeleting(false);
      return;
    }
    await signOut();
    // A full navigation: the signed-out redirect (to /signin/?next=…) must not win the race.
    window.location.replace("/signin/?deleted=1");
  };

  return (
    <Card
      title="Your data"
      subtitle="Everything Alex stores about you is yours"
      className="mt-6"
      id="your-data"
    >
      <div className="flex flex-wrap items-center gap-3">
        <Button variant="secondary" onClick={download} busy={exporting}>
          Download my data (JSON)
        </Button>
        <Button variant="danger" onClick={() => setConfirming(true)}>
          Delete all my data
        </Button>
      </div>
      <p className="mt-3 text-xs text-slate-500">
        The download holds your profile, accounts, positions and every analysis with its events.
      </p>
      <ConfirmDialog
        open={confirming}
        title="Delete all your data?"
        confirmLabel="Delete everything"
        busy={deleting}
        onCancel={() => setConfirming(false)}
        onConfirm={remove}
        message={
          <>
            This permanently deletes your profile, {accountCount} account
            {accountCount === 1 ? "" : "s"} with their positions, and all your analyses, and signs
            you out everywhere. It cannot be undone.
          </>
        }
      />
    </Card>
  );
}
