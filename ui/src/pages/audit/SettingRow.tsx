import { useEffect, useState } from 'react';
import { useUpdateAuditSetting } from '@/api/audit';
import { errorMessage } from '@/lib/api';
import { parseFieldList } from '@/lib/audit';
import type { AuditCollectionSetting } from '@/lib/audit-types';
import { Button } from '@/components/ui/button';
import { Checkbox, Input } from '@/components/ui/input';
import { Td } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';

/** One collection's settings, edited in place and saved with PUT. */
export function SettingRow({ setting }: { setting: AuditCollectionSetting }) {
  const save = useUpdateAuditSetting();
  const toast = useToast();
  const [enabled, setEnabled] = useState(setting.enabled);
  const [signature, setSignature] = useState(setting.require_signature);
  const [fields, setFields] = useState(setting.excluded_fields.join(', '));

  // Follow the server's values when they change (not on every refetch, which would drop a draft).
  const saved = JSON.stringify(setting);
  useEffect(() => {
    setEnabled(setting.enabled);
    setSignature(setting.require_signature);
    setFields(setting.excluded_fields.join(', '));
  }, [saved]);

  const excluded = parseFieldList(fields);
  const dirty =
    enabled !== setting.enabled ||
    signature !== setting.require_signature ||
    excluded.join('\n') !== setting.excluded_fields.join('\n');
  const name = setting.collection;

  const onSave = async () => {
    try {
      await save.mutateAsync({ collection: name, enabled, require_signature: signature, excluded_fields: excluded });
      toast.success(`Audit settings of ${name} saved`);
    } catch (e) {
      toast.error(errorMessage(e));
    }
  };

  return (
    <tr data-collection={name}>
      <Td className="whitespace-nowrap font-mono text-xs">{name}</Td>
      <Td>
        <Checkbox checked={enabled} onChange={(e) => setEnabled(e.target.checked)} aria-label={`Audit ${name}`} />
      </Td>
      <Td>
        <Checkbox checked={signature} onChange={(e) => setSignature(e.target.checked)} aria-label={`Require a signature for ${name}`} />
      </Td>
      <Td className="min-w-56">
        <Input
          value={fields}
          onChange={(e) => setFields(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && dirty) void onSave();
          }}
          placeholder="e.g. password, token"
          aria-label={`Excluded fields of ${name}`}
          className="h-8 font-mono text-xs"
        />
      </Td>
      <Td className="text-right">
        <Button size="sm" variant={dirty ? 'primary' : 'outline'} disabled={!dirty} loading={save.isPending} onClick={() => void onSave()} aria-label={`Save ${name}`}>
          Save
        </Button>
      </Td>
    </tr>
  );
}
