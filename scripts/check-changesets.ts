/**
 * Fails when a changeset does not parse or names a package that is not in the workspace. A formatter
 * once rewrote the front matter into a Markdown heading, which Changesets then read as "no release".
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import readChangesets from '@changesets/read';

const root = new URL('..', import.meta.url).pathname;
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
const workspacePackages = new Set<string>();
for (const pattern of rootManifest.workspaces) {
  const parent = join(root, pattern.replace('/*', ''));
  for (const entry of readdirSync(parent, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    try {
      workspacePackages.add(
        (JSON.parse(readFileSync(join(parent, entry.name, 'package.json'), 'utf8')) as { name: string }).name,
      );
    } catch {
      // A folder without package.json is not a workspace package.
    }
  }
}

const files = readdirSync(join(root, '.changeset')).filter(
  (file) => file.endsWith('.md') && file !== 'README.md',
);
const changesets = await readChangesets(root);
const problems: string[] = [];
for (const file of files) {
  const changeset = changesets.find((candidate) => `${candidate.id}.md` === file);
  if (!changeset || changeset.releases.length === 0) {
    problems.push(`${file}: no release parsed (front matter must be ---, "pkg": bump, ---)`);
    continue;
  }
  for (const release of changeset.releases) {
    if (!workspacePackages.has(release.name)) problems.push(`${file}: unknown package ${release.name}`);
  }
}
if (problems.length > 0) {
  console.error(`changesets: ${problems.length} problem(s)\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(`changesets: ${files.length} file(s) OK`);
