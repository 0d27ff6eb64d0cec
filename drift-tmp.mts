import { DATABASES } from './scripts/databases.js';
import { migrateDatabase, openDatabase, dropDatabase } from './lib/database.js';
import { SERVICES } from './lib/config.js';
import { SchemaComparator, DatabaseSchema } from '@mikro-orm/knex';
for (const s of SERVICES) {
  await migrateDatabase(DATABASES[s]);
  const orm = await openDatabase(DATABASES[s]);
  const gen: any = orm.schema;
  const { fromSchema, toSchema } = await gen.prepareSchemaForComparison({});
  const diff = new SchemaComparator(orm.em.getPlatform() as any).compare(fromSchema, toSchema);
  console.log(`== ${s}`);
  for (const [t, td] of Object.entries<any>(diff.changedTables)) {
    for (const [c, cd] of Object.entries<any>(td.changedColumns)) {
      console.log(t, c, [...cd.changedProperties].join(','), JSON.stringify(Object.fromEntries([...cd.changedProperties].map((p: string) => [p, [cd.fromColumn[p], cd.column[p]]]))));
    }
    for (const k of ['addedIndexes','removedIndexes','changedIndexes','renamedIndexes','addedColumns','removedColumns']) {
      const v = td[k]; if (v && Object.keys(v).length) console.log(t, k, Object.keys(v).join(', '));
    }
  }
  await orm.close();
  await dropDatabase(s);
}
