/**
 * One reporter for the failures a component absorbs (a store or backend that fails, a listener that
 * throws): they go to the user's `onError` when given, else to one process warning per context.
 */

/** Where an absorbed failure happened, as `onError` receives it. */
export type AbsorbedErrorHandler = (error: unknown, context: string) => void;

/**
 * A reporter for `component`'s absorbed failures: every one to `onError` (a throwing `onError` is
 * itself absorbed), or without it one warning per context, typed `warningType` with `code`.
 */
export function absorbedErrorReporter(
  component: string,
  onError: AbsorbedErrorHandler | undefined,
  warningType: string,
  code: string,
): AbsorbedErrorHandler {
  if (onError !== undefined) {
    return (error, context) => {
      try {
        onError(error, context);
      } catch {
        // a throwing reporter must not turn an absorbed failure into a failed operation
      }
    };
  }
  const warned = new Set<string>();
  return (error, context) => {
    if (warned.has(context)) return;
    warned.add(context);
    process.emitWarning(
      `${component} absorbed an error in ${context}: ${error instanceof Error ? error.message : String(error)} (pass onError to see every one)`,
      warningType,
      code,
    );
  };
}
