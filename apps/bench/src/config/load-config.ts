/**
 * Reads a sweep config from a JSON or YAML file, or a named preset (`<directory>/<name>.yaml`),
 * and validates it with {@link parseSweepConfig}.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseSweepConfig, type SweepConfig } from './sweep-config';

/** Names of the shipped presets (`smoke`, `quick`, `paper`, ...). */
export function presetNames(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => file.replace(/\.ya?ml$/, ''))
    .sort();
}

/** Parses config text: JSON for `.json` files, YAML (a superset of JSON) otherwise. */
export function parseConfigText(text: string, file: string): SweepConfig {
  let raw: unknown;
  try {
    raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError(`config file ${file} is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${reason}`, { cause: error });
  }
  return parseSweepConfig(raw);
}

/** Loads and validates a config file; throws an Error naming the file, or the bad field. */
export function loadConfigFile(file: string): SweepConfig {
  if (!existsSync(file)) throw new ConfigError(`config file ${file} does not exist`);
  return parseConfigText(readFileSync(file, 'utf8'), file);
}

/** Loads a shipped preset by name; an unknown name is an Error listing the presets. */
export function loadPreset(name: string, directory: string): SweepConfig {
  const file = ['.yaml', '.yml'].map((extension) => join(directory, name + extension)).find((candidate) => existsSync(candidate));
  if (!file) throw new ConfigError(`unknown preset ${JSON.stringify(name)}; expected one of ${presetNames(directory).join(', ')}`);
  return loadConfigFile(file);
}
