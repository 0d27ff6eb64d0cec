// Import boundaries of the product (`npm run lint:imports`, first step of `npm test`).
// Services talk to each other over HTTP/queues/Kafka through the zod schemas in contracts/, never by
// importing each other's code: a service importing another's entities or service would share its
// database and bypass the contract's validation. bench/, soak/, test/, scripts/ and jobs/ assemble
// services, so they may import any of them and are not constrained here.

// Node builtins and packages: any product folder may use them.
const OUTSIDE_THE_REPO = ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'service-outside-own-folder',
      comment:
        'A service (subgraphs/<svc>/) imports only its own folder, lib/ and contracts/: another ' +
        'service is reached through contracts/ (lib/contract.ts); jobs/ and scripts/ assemble services.',
      severity: 'error',
      from: { path: '^subgraphs/([^/]+)/' },
      to: {
        couldNotResolve: false, // reported once, by not-to-unresolvable
        dependencyTypesNot: OUTSIDE_THE_REPO,
        pathNot: ['^subgraphs/$1/', '^lib/', '^contracts/'],
      },
    },
    {
      name: 'gateway-not-to-services',
      comment: 'The gateway knows services only through the composed supergraph and contracts/.',
      severity: 'error',
      from: { path: '^gateway/' },
      to: { path: ['^subgraphs/', '^jobs/'] },
    },
    {
      name: 'lib-only-lib',
      comment: 'lib/ is the shared platform: it must not depend on any product code that uses it.',
      severity: 'error',
      from: { path: '^lib/' },
      to: {
        couldNotResolve: false, // reported once, by not-to-unresolvable
        dependencyTypesNot: OUTSIDE_THE_REPO,
        pathNot: '^lib/',
      },
    },
    {
      name: 'contracts-only-lib-and-contracts',
      comment: 'A contract is shared by both sides of a boundary, so it cannot pull in either side.',
      severity: 'error',
      from: { path: '^contracts/' },
      to: {
        couldNotResolve: false, // reported once, by not-to-unresolvable
        dependencyTypesNot: OUTSIDE_THE_REPO,
        pathNot: ['^lib/', '^contracts/'],
      },
    },
    {
      name: 'no-circular',
      comment:
        'A cycle makes module load order matter (a value read before its module ran is undefined) ' +
        'and ties modules that should be separable.',
      severity: 'error',
      from: { pathNot: '^(test|bench|soak)/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve would slip past every rule above.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a service typing itself with another's entity is still coupled to it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
