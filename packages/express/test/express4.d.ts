// `express4` is an npm alias of express@4.21 installed for the test matrix; its API (as used here)
// is the one @types/express describes.
declare module 'express4' {
  import express from 'express';
  export default express;
}
