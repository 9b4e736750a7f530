/**
 * A key for the element that holds a long list, new for each new list: React then builds the element and all its
 * items off-screen, in the render phase (which a deferred render splits into short tasks), and inserts it once. Under
 * an element that stays, a list whose items are all new (a new analysis, lines moved by an edit) is inserted item by
 * item in one commit, and each insertion looks for its next sibling among the others: hundreds of items took tens of
 * milliseconds in one task.
 */
export function listKey(list: object): number {
  let key = keys.get(list);
  if (key === undefined) {
    key = ++lastKey;
    keys.set(list, key);
  }
  return key;
}

const keys = new WeakMap<object, number>();
let lastKey = 0;
