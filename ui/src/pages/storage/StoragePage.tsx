import { RefreshCw } from 'lucide-react';
import { useStorageInfo } from '@/api/storage';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { ErrorState, Spinner } from '@/components/ui/states';
import { BackendCard, LimitsCard } from './BackendCard';
import { SweeperCard } from './SweeperCard';
import { UsageCard } from './UsageCard';

/** The superadmin's view of file storage: backend, limits, usage per account and the orphan sweeper. */
export function StoragePage() {
  const info = useStorageInfo();
  const data = info.data;
  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="Storage"
        description="Where uploaded files are kept and how much space they take"
        actions={
          <Button variant="outline" onClick={() => void info.refetch()} loading={info.isFetching}>
            <RefreshCw className="h-4 w-4" /> Refresh
          </Button>
        }
      />
      {!data ? (
        info.isError ? <ErrorState error={info.error} onRetry={() => void info.refetch()} /> : <Spinner />
      ) : (
        <>
          <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
            <BackendCard info={data} />
            <LimitsCard limits={data.limits} />
          </div>
          <UsageCard usage={data.usage} />
          <SweeperCard sweeper={data.sweeper} />
        </>
      )}
    </div>
  );
}
