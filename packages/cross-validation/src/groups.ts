/** A group label: the image, patient or volume an item comes from. */
export type GroupLabel = string | number;

/** One distinct group and the items (indices) that belong to it, ascending. */
export interface GroupMembers {
  label: GroupLabel;
  items: number[];
}

/**
 * The distinct groups among `items` (indices into `groups`), in a canonical order (numbers ascending, then
 * strings by code unit) so that folds depend on the set of groups and the seed, not on the order of items.
 */
export function groupMembers(groups: readonly GroupLabel[], items: Iterable<number>): GroupMembers[] {
  const byLabel = new Map<GroupLabel, number[]>();
  for (const item of items) {
    const label = groups[item] as GroupLabel;
    const members = byLabel.get(label);
    if (members === undefined) byLabel.set(label, [item]);
    else members.push(item);
  }
  return [...byLabel]
    .map(([label, members]) => ({ label, items: members.sort((a, b) => a - b) }))
    .sort((a, b) => compareLabels(a.label, b.label));
}

function compareLabels(a: GroupLabel, b: GroupLabel): number {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** All items of `members`, ascending. */
export function itemsOf(members: readonly GroupMembers[]): number[] {
  return members.flatMap((group) => group.items).sort((a, b) => a - b);
}
