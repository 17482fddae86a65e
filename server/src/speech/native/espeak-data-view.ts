/**
 * A view of eSpeak NG's installed data that holds only our voices, so each
 * `espeak-ng` process starts with less work.
 *
 * Why: every time the program starts, it reads every voice file it has
 * (about 420 on Debian: each language and each variant) to find the one it
 * is asked for. The native engine starts a process per paragraph, so that
 * reading is paid again and again. The view is a folder `espeak-ng-data` of
 * symbolic links to the installed data, everything but the voice folders,
 * plus links to the voice files of ESPEAK_VOICES alone; `espeak-ng
 * --path=<view>` then reads a dozen voice files instead of 420. Nothing is
 * copied.
 *
 * Measured (eSpeak NG 1.51, CPU time of one short render, 40 runs each):
 * 15.6 to 19.3 ms with the installed data, 12.2 to 13.0 ms with the view.
 * The sound is the same, byte for byte, for every voice and every episode
 * (tests/unit/speech/espeak-ng-engine.test.ts checks each voice).
 *
 * The view lives in the temporary folder under a name made from the data
 * folder, its listing and the voices, so processes and restarts share it; it
 * is built aside and renamed into place, and one found there is used only if
 * it is a folder of ours that no one else can write to. When no view can be
 * made (Windows, where links need rights; a read-only folder), the installed
 * data is used as it is: slower, the same sound.
 */
import { createHash, randomUUID } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Written last, so a view with it is whole. */
const COMPLETE = 'atl-view-complete';
/** The folders of voice files the program lists at start. */
const VOICE_FOLDERS = new Set(['lang', 'voices']);

/** True if `folder` is a real folder, owned by this user, that no one else can write to. */
async function isOurs(folder: string): Promise<boolean> {
  try {
    const info = await lstat(folder);
    const uid = process.getuid?.();
    return info.isDirectory() && (uid === undefined || info.uid === uid) && (info.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** True if `view` is still there, whole and ours (a cleaner of the temporary folder may have removed it since). */
export async function isWhole(view: string): Promise<boolean> {
  return (await isOurs(view)) && (await stat(path.join(view, 'espeak-ng-data', COMPLETE)).then(() => true, () => false));
}

/**
 * The folder to pass as `espeak-ng --path`: a view of `dataDir` (the
 * program's `espeak-ng-data`) with only the voice files `voiceFiles` (paths
 * under its `lang` folder, e.g. `gmw/en-US`), built in `parent` if not there
 * yet. Undefined when no view can be made there.
 */
export async function espeakDataView(dataDir: string, voiceFiles: readonly string[], parent: string): Promise<string | undefined> {
  if (process.platform === 'win32') return undefined;
  let building: string | undefined;
  try {
    const entries = (await readdir(dataDir)).sort();
    const present: string[] = [];
    for (const file of voiceFiles) {
      if (await stat(path.join(dataDir, 'lang', file)).then((info) => info.isFile(), () => false)) present.push(file);
    }
    const id = createHash('sha256').update(JSON.stringify([dataDir, entries, present])).digest('hex').slice(0, 16);
    const view = path.join(parent, `atl-espeak-ng-data-${process.getuid?.() ?? 'user'}-${id}`);
    if (await isWhole(view)) return view;

    building = `${view}.${process.pid}-${randomUUID()}.tmp`;
    const data = path.join(building, 'espeak-ng-data');
    await mkdir(building, { mode: 0o700 });
    await mkdir(data);
    for (const entry of entries) {
      if (!VOICE_FOLDERS.has(entry)) await symlink(path.join(dataDir, entry), path.join(data, entry));
    }
    for (const file of present) {
      await mkdir(path.dirname(path.join(data, 'lang', file)), { recursive: true });
      await symlink(path.join(dataDir, 'lang', file), path.join(data, 'lang', file));
    }
    await writeFile(path.join(data, COMPLETE), '');
    try {
      await rename(building, view);
      building = undefined;
    } catch {
      // Another process put its view there first (or a stale one is in the way): use it only if it is whole and ours.
    }
    return (await isWhole(view)) ? view : undefined;
  } catch {
    return undefined;
  } finally {
    if (building !== undefined) await rm(building, { recursive: true, force: true }).catch(() => undefined);
  }
}
