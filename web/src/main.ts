/**
 * Starts every component found on the page by its `data-module` attribute.
 * The announcer and the player controller start first, so every control has
 * someone to talk to; one component failing does not stop the others.
 */
import { Announcer } from './announcer.js';
import { startAll } from './component.js';
import { Chapters, PlayButton, PlayerError, RequestButton, Resume, Seek, SettingsPanel, SleepTimer, Speed, Volume, Where } from './controls.js';
import { Cast, Help, Names } from './dialogs.js';
import { Offline } from './offline.js';
import { Player } from './player.js';
import { Transcript } from './transcript.js';

startAll({
  announcer: Announcer,
  player: Player,
  'play-button': PlayButton,
  'request-button': RequestButton,
  seek: Seek,
  speed: Speed,
  volume: Volume,
  where: Where,
  'sleep-timer': SleepTimer,
  settings: SettingsPanel,
  resume: Resume,
  'player-error': PlayerError,
  chapters: Chapters,
  help: Help,
  transcript: Transcript,
  cast: Cast,
  names: Names,
  offline: Offline,
});
