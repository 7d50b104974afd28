import { PGlite } from '@electric-sql/pglite';
let t0 = Date.now();
const a = new PGlite(); await a.waitReady; console.log('first', Date.now()-t0);
t0 = Date.now();
const b = new PGlite(); await b.waitReady; console.log('second', Date.now()-t0);
t0 = Date.now();
const c = await (b as any).clone(); console.log('clone', Date.now()-t0);
