/**
 * Method decorators that work under both of TypeScript's decorator modes: the standard (TC39)
 * decorators of TypeScript 5+, called as `(value, context)`, and `experimentalDecorators` (as NestJS
 * projects use), called as `(target, propertyKey, descriptor)`. The caching decorators of
 * `@larder/core`, `@larder/fastify` and `@larder/express` are built on it.
 */

/**
 * Any method's parameter list. `any[]`, not `unknown[]`: under `strictFunctionTypes` a method taking
 * `(id: number)` is not assignable to `(...args: unknown[]) => unknown`.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type AnyArgs = any[];

/**
 * The type of a method decorator usable in both decorator modes, for methods assignable to `Fn`.
 * Applied to anything but a method (a field, an accessor, a class), or to a method whose type is not
 * assignable to `Fn`, it is a type error in either mode.
 */
export interface DualMethodDecorator<Fn extends (...args: AnyArgs) => unknown> {
  /** Standard (TC39) decorators: TypeScript 5+ without `experimentalDecorators`. */
  <This, Value extends Fn>(value: Value, context: ClassMethodDecoratorContext<This, Value>): Value;
  /** `experimentalDecorators: true`. */
  <Value extends Fn>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<Value>,
  ): TypedPropertyDescriptor<Value>;
}

/** What a decorator knows of the method it wraps. */
export interface DecoratedMethod {
  /** The method's name: `'find'`, `'#load'` for a private method, `'[Symbol(id)]'` for a symbol. */
  readonly name: string;
  /** Whether it is a static method. */
  readonly static: boolean;
  /**
   * The name of the class that declares the method. Under `experimentalDecorators` it is known when
   * the class is defined; under standard decorators it is found from the first call's `this` (a
   * private method, which no prototype holds, takes the class of `this`).
   */
  className(thisArg: unknown): string;
  /** `Class#method`, or `Class.method` for a static method: for keys and messages. */
  label(thisArg: unknown): string;
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/** The name a decorator context or property key gives a method. */
function nameOf(key: string | symbol): string {
  return typeof key === 'symbol' ? `[${key.description ?? 'symbol'}]` : key;
}

/** The class of an object or a constructor, or `''`. */
function classOf(holder: unknown): string {
  if (typeof holder === 'function') return holder.name;
  if (typeof holder !== 'object' || holder === null) return '';
  const name = (holder as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' ? name : '';
}

/**
 * Build a dual-mode method decorator. `wrap(original, method)` is called once per decorated method,
 * when the class is defined, and returns the function that replaces it. Applied to something that
 * is not a method (which the typings already refuse), the decorator throws a `TypeError` naming
 * `decorator`.
 *
 * @param decorator - the decorator's name for messages, such as `'@cacheResponse'`.
 * @param wrap - returns the replacement of `original`.
 */
export function methodDecorator<Fn extends (...args: AnyArgs) => unknown>(
  decorator: string,
  wrap: (original: AnyFunction, method: DecoratedMethod) => AnyFunction,
): DualMethodDecorator<Fn> {
  const decorate = (value: unknown, second: unknown, descriptor?: PropertyDescriptor): unknown => {
    if (typeof second === 'object' && second !== null && 'kind' in second) {
      const context = second as DecoratorContext;
      if (context.kind !== 'method' || typeof value !== 'function') {
        throw new TypeError(`${decorator} applies to methods, not to a ${context.kind}`);
      }
      return wrapStandard(value as AnyFunction, context as ClassMethodDecoratorContext, wrap);
    }
    if ((typeof second === 'string' || typeof second === 'symbol') && typeof descriptor === 'object') {
      if (typeof descriptor.value !== 'function') {
        throw new TypeError(`${decorator} applies to methods; ${nameOf(second)} is not one`);
      }
      const isStatic = typeof value === 'function';
      const owner = classOf(value);
      const name = nameOf(second);
      const method: DecoratedMethod = {
        name,
        static: isStatic,
        className: () => owner,
        label: () => `${owner}${isStatic ? '.' : '#'}${name}`,
      };
      descriptor.value = wrap(descriptor.value as AnyFunction, method);
      return descriptor;
    }
    throw new TypeError(`${decorator} applies to methods`);
  };
  return decorate as DualMethodDecorator<Fn>;
}

function wrapStandard(
  original: AnyFunction,
  context: ClassMethodDecoratorContext,
  wrap: (original: AnyFunction, method: DecoratedMethod) => AnyFunction,
): AnyFunction {
  const name = nameOf(context.name);
  let owner: string | undefined;
  let replacement: AnyFunction | undefined;
  const className = (thisArg: unknown): string => {
    if (owner !== undefined) return owner;
    if (!context.private) {
      // the declaring class holds the replacement as its own property: subclasses share its keys
      const key = context.name as string | symbol;
      for (let o = thisArg; o !== null && o !== undefined; o = Object.getPrototypeOf(o)) {
        if (Object.getOwnPropertyDescriptor(o, key)?.value === replacement) {
          owner = classOf(o);
          return owner;
        }
      }
    }
    return classOf(thisArg);
  };
  if (context.static) {
    context.addInitializer(function (this: unknown) {
      owner = classOf(this);
    });
  }
  const method: DecoratedMethod = {
    name,
    static: context.static,
    className,
    label: (thisArg) => `${className(thisArg)}${context.static ? '.' : '#'}${name}`,
  };
  replacement = wrap(original, method);
  return replacement;
}
