import { Link } from 'react-router';
import { ShieldAlert, SearchX } from 'lucide-react';
import { Card } from '@/components/ui/card';

export function ForbiddenPage() {
  return (
    <Card className="mx-auto mt-10 max-w-md p-6 text-center" data-testid="forbidden">
      <ShieldAlert className="mx-auto h-8 w-8 text-warn" aria-hidden />
      <h1 className="mt-3 text-lg font-semibold">Superadmin only</h1>
      <p className="mt-1 text-sm text-muted-fg">
        This page is for the superadmin of the system account. Your account can work with its records.
      </p>
      <Link to="/records" className="mt-4 inline-block text-sm font-medium text-primary hover:underline">
        Go to records
      </Link>
    </Card>
  );
}

export function NotFoundPage() {
  return (
    <Card className="mx-auto mt-10 max-w-md p-6 text-center">
      <SearchX className="mx-auto h-8 w-8 text-muted-fg" aria-hidden />
      <h1 className="mt-3 text-lg font-semibold">Page not found</h1>
      <Link to="/" className="mt-4 inline-block text-sm font-medium text-primary hover:underline">
        Go home
      </Link>
    </Card>
  );
}
