export {
  type CompiledFixtures,
  compileFixtures,
  type DecoratorMode,
  decoratorModes,
} from './compile-fixtures.js';
