// Code samples for one collection's records API, as the API preview shows them.

import type { Field, Json } from './types';

export function exampleValue(f: Field): Json {
  switch (f.type) {
    case 'text':
      return `Example ${f.name}`;
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'email':
      return 'someone@example.com';
    case 'url':
      return 'https://example.com';
    case 'datetime':
      return '2026-01-31T12:00:00Z';
    case 'json':
      return { key: 'value' };
    case 'select': {
      const first = f.options?.values?.[0] ?? 'value';
      return f.options?.multiple ? [first] : first;
    }
    case 'reference':
      return `<${f.collection ?? 'record'} id>`;
    case 'file':
      // The `path` POST /files/upload returned (or send the record as multipart/form-data).
      return f.options?.multiple ? ['<uploaded file path>'] : '<uploaded file path>';
  }
}

export function exampleBody(schema: Field[]): Record<string, Json> {
  return Object.fromEntries(schema.map((f) => [f.name, exampleValue(f)]));
}

export interface Snippet {
  id: string;
  title: string;
  method: string;
  path: string;
  curl: string;
  js: string;
}

const indent = (text: string, pad: string) => text.split('\n').join(`\n${pad}`);

export function buildSnippets(origin: string, collection: string, schema: Field[], accountHeader: boolean): Snippet[] {
  const base = `${origin}/api/v1/records/${collection}`;
  const body = JSON.stringify(exampleBody(schema), null, 2);
  const firstField = schema[0]?.name ?? 'field';
  const patch = JSON.stringify({ [firstField]: exampleValue(schema[0] ?? { type: 'text', name: 'field' } as Field) }, null, 2);
  const acct = accountHeader ? ` \\\n  -H "X-Account-ID: AA0001"` : '';
  const acctJs = accountHeader ? `\n    'X-Account-ID': 'AA0001',` : '';
  const auth = `-H "Authorization: Bearer $TOKEN"${acct}`;

  const js = (method: string, url: string, payload?: string) => {
    const lines = [
      `const res = await fetch(\`${url}\`, {`,
      `  method: '${method}',`,
      `  headers: {`,
      `    Authorization: \`Bearer \${token}\`,${acctJs}`,
      ...(payload ? [`    'Content-Type': 'application/json',`] : []),
      `  },`,
      ...(payload ? [`  body: JSON.stringify(${indent(payload, '  ')}),`] : []),
      `});`,
      method === 'DELETE' && !payload ? `// 204 No Content on success` : `const data = await res.json();`,
    ];
    return lines.join('\n');
  };

  return [
    {
      id: 'list',
      title: 'List records',
      method: 'GET',
      path: `/api/v1/records/${collection}?limit=20&sort=-created_at`,
      curl: `curl "${base}?limit=20&sort=-created_at" \\\n  ${auth}`,
      js: js('GET', `${base}?limit=20&sort=-created_at`),
    },
    {
      id: 'view',
      title: 'View a record',
      method: 'GET',
      path: `/api/v1/records/${collection}/{id}`,
      curl: `curl "${base}/$ID" \\\n  ${auth}`,
      js: js('GET', `${base}/\${id}`),
    },
    {
      id: 'create',
      title: 'Create a record',
      method: 'POST',
      path: `/api/v1/records/${collection}`,
      curl: `curl -X POST "${base}" \\\n  ${auth} \\\n  -H "Content-Type: application/json" \\\n  -d '${body.replace(/'/g, "'\\''")}'`,
      js: js('POST', base, body),
    },
    {
      id: 'update',
      title: 'Update a record (merge)',
      method: 'PATCH',
      path: `/api/v1/records/${collection}/{id}`,
      curl: `curl -X PATCH "${base}/$ID" \\\n  ${auth} \\\n  -H "Content-Type: application/json" \\\n  -d '${patch.replace(/'/g, "'\\''")}'`,
      js: js('PATCH', `${base}/\${id}`, patch),
    },
    {
      id: 'delete',
      title: 'Delete a record',
      method: 'DELETE',
      path: `/api/v1/records/${collection}/{id}`,
      curl: `curl -X DELETE "${base}/$ID" \\\n  ${auth}`,
      js: js('DELETE', `${base}/\${id}`),
    },
    {
      id: 'batch-delete',
      title: 'Delete several records',
      method: 'DELETE',
      path: `/api/v1/records/${collection}/batch`,
      curl: `curl -X DELETE "${base}/batch" \\\n  ${auth} \\\n  -H "Content-Type: application/json" \\\n  -d '{"ids": ["ID1", "ID2"]}'`,
      js: js('DELETE', `${base}/batch`, '{ ids: [id1, id2] }'),
    },
  ];
}
