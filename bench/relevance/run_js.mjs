// Node side of the relevance benchmark: Pagefind and lunr.js (+ lunr-languages ja).
//
//   node run_js.mjs JOB.json OUT.json
//
// JOB = {engine: "pagefind"|"lunr", docs_file, queries: [...], systems: [...], k, workdir}
// docs_file holds [{id, title, body}, ...]. OUT gets
// {engine, versions, index_s, systems: {name: {query_s, results: [[doc id, ...], ...], errors}}}.
//
// Pagefind: the real npm package's Node API builds the index (createIndex, addCustomRecord with
// language "ja", writeFiles), then the bundle's own pagefind.js is imported into Node and
// search() is called, exactly the code a browser runs. Node has no fetch() for file:// URLs, so a
// small fetch shim serves the bundle files from disk; nothing else is changed.
//
// lunr: lunr 2.x with lunr-languages' stemmer support, tinyseg and lunr.ja, loaded and used as
// the lunr-languages README says (this.use(lunr.ja)); fields title (boost 2) and body.
//   "lunr":     idx.search(q) on the query as typed, lunr syntax characters : * ~ ^ + - \ replaced
//               by spaces (they would otherwise be read as field, wildcard, fuzzy, boost and
//               presence operators, or throw a QueryParseError).
//   "lunr-seg": the query is first cut with lunr.ja.tokenizer (TinySegmenter, the index-side
//               tokenizer) and the pieces are joined with spaces, then the same as "lunr".

import { readFile, writeFile, rm, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

const [jobPath, outPath] = process.argv.slice(2);
const job = JSON.parse(await readFile(jobPath, "utf8"));
const docs = JSON.parse(await readFile(job.docs_file, "utf8"));
const k = job.k ?? 10;

const pkgVersion = (name) => require(path.join(here, "node_modules", name, "package.json")).version;
const now = () => performance.now() / 1000;

const LUNR_SYNTAX = /[:*~^+\-\\]/g;

async function runPagefind() {
  const pagefind = await import(pathToFileURL(path.join(here, "node_modules/pagefind/lib/index.js")).href);
  const outDir = path.join(job.workdir, "pagefind");
  await rm(outDir, { recursive: true, force: true });
  await mkdir(job.workdir, { recursive: true });

  const t0 = now();
  const { index, errors } = await pagefind.createIndex({ forceLanguage: "ja" });
  if (errors.length) throw new Error(`createIndex: ${errors.join("; ")}`);
  // url -> doc id: Pagefind returns urls; use a plain numeric url to keep ids out of its hands.
  for (let i = 0; i < docs.length; i++) {
    const d = docs[i];
    const r = await index.addCustomRecord({
      url: `/d/${i}/`, content: d.body, language: "ja", meta: { title: d.title || "" },
    });
    if (r.errors.length) throw new Error(`addCustomRecord ${d.id}: ${r.errors.join("; ")}`);
  }
  const w = await index.writeFiles({ outputPath: outDir });
  if (w.errors.length) throw new Error(`writeFiles: ${w.errors.join("; ")}`);
  await pagefind.close();
  const index_s = now() - t0;

  // The bundle's pagefind.js is an ES module with a .js name: mark its folder as ESM so Node loads it
  // as such wherever the work directory is (a parent package.json could say "commonjs").
  await writeFile(path.join(outDir, "package.json"), '{"type": "module"}\n');

  // Serve file:// URLs from disk so the browser bundle runs unchanged in Node.
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = typeof input === "string" ? input : (input.url ?? String(input));
    if (url.startsWith("file:")) {
      const buf = await readFile(fileURLToPath(url.split("?")[0]));
      const type = /\.wasm$|\/wasm\.[^/]*$/.test(url) ? "application/wasm" : "application/octet-stream";
      return new Response(buf, { status: 200, headers: { "content-type": type } });
    }
    return realFetch(input, init);
  };
  const bundle = await import(pathToFileURL(path.join(outDir, "pagefind.js")).href);
  await bundle.options({ basePath: pathToFileURL(outDir + "/").href });
  await bundle.init("ja");

  const urlCache = new Map();
  const result = { query_s: 0, results: [], errors: 0, total_matches: 0 };
  const q0 = now();
  for (const q of job.queries) {
    let ids = [];
    try {
      const r = await bundle.search(q);
      result.total_matches += r.results.length;
      for (const hit of r.results.slice(0, k)) {
        let url = urlCache.get(hit.id);
        if (url === undefined) {
          url = (await hit.data()).url;
          urlCache.set(hit.id, url);
        }
        const m = /\/d\/(\d+)\//.exec(url);
        ids.push(docs[Number(m[1])].id);
      }
    } catch (e) {
      result.errors += 1;
      if (result.errors <= 3) console.error(`pagefind: query ${JSON.stringify(q)}: ${e}`);
      ids = [];
    }
    result.results.push(ids);
  }
  result.query_s = now() - q0;
  await bundle.destroy?.();
  const binary = process.env.PAGEFIND_BINARY_PATH || process.env.PAGEFIND_EXTENDED_BINARY_PATH ||
    require.resolve(`@pagefind/${process.platform}-${process.arch}/bin/pagefind_extended`);
  return {
    versions: { pagefind: pkgVersion("pagefind"), binary: path.relative(here, binary) },
    index_s, systems: { pagefind: result },
  };
}

async function runLunr() {
  const lunr = require("lunr");
  require("lunr-languages/lunr.stemmer.support")(lunr);
  require("lunr-languages/tinyseg")(lunr);
  require("lunr-languages/lunr.ja")(lunr);

  const t0 = now();
  const idx = lunr(function () {
    this.use(lunr.ja);
    this.ref("id");
    this.field("title", { boost: 2 });
    this.field("body");
    for (const d of docs) this.add({ id: d.id, title: d.title || "", body: d.body });
  });
  const index_s = now() - t0;

  const systems = {};
  for (const name of job.systems) {
    const prep = name === "lunr-seg"
      ? (q) => lunr.ja.tokenizer(q).map((t) => t.toString()).join(" ").replace(LUNR_SYNTAX, " ")
      : (q) => q.replace(LUNR_SYNTAX, " ");
    const result = { query_s: 0, results: [], errors: 0, total_matches: 0 };
    const q0 = now();
    for (const q of job.queries) {
      let ids = [];
      try {
        const hits = idx.search(prep(q));
        result.total_matches += hits.length;
        ids = hits.slice(0, k).map((h) => h.ref);
      } catch (e) {
        result.errors += 1;
        if (result.errors <= 3) console.error(`${name}: query ${JSON.stringify(q)}: ${e.message}`);
      }
      result.results.push(ids);
    }
    result.query_s = now() - q0;
    systems[name] = result;
  }
  return {
    versions: { lunr: pkgVersion("lunr"), "lunr-languages": pkgVersion("lunr-languages") },
    index_s, systems,
  };
}

const out = job.engine === "pagefind" ? await runPagefind() : await runLunr();
await writeFile(outPath, JSON.stringify({ engine: job.engine, ...out }));
