module.exports = { projects: require('../../jest.preset').tiers(__dirname) };
