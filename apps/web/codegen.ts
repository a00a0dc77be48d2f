// GraphQL types from the committed SDL (openapi/schema.graphql, which a
// server test keeps current) for the operations in src/api/*.graphql.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../openapi/schema.graphql',
  documents: ['src/api/*.graphql'],
  generates: {
    'src/api/graphql.ts': {
      plugins: ['typescript', 'typescript-operations'],
      config: {
        onlyOperationTypes: true,
        enumsAsTypes: true,
        scalars: { UUID: 'string', DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};
export default config;
