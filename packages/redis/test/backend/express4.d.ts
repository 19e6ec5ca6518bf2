// `express4` is an npm alias of express@4.21 installed at the root for the adapter matrix; the API the
// contract suite uses is the one @types/express describes for both majors.
declare module 'express4' {
  import express from 'express';
  export default express;
}
