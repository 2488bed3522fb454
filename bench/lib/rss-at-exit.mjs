// `node --import ./bench/lib/rss-at-exit.mjs ...`: on exit, writes the process's peak RSS in KiB
// to the file named by BENCH_RSS_FILE (a child's RSS is not visible to its parent in Node).
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
