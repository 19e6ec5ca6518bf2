// CommonJS require() of every package (Node >= 20.19 loads our ESM builds).
const names = ['@larder/core', '@larder/fastify', '@larder/express', '@larder/redis', '@larder/sim'];
const loaded = {};
for (const name of names) loaded[name] = Object.keys(require(name)).length;
console.log(JSON.stringify(loaded));
