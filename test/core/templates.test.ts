/* eslint-disable @typescript-eslint/no-require-imports */
describe('templates', () => {
  test('loading the package does not load handlebars; the first render does, once', () => {
    let loaded = 0;
    jest.isolateModules(() => {
      jest.doMock('handlebars', () => {
        loaded++;
        return jest.requireActual('handlebars');
      });
      require('../../src');
      const { renderTemplate } = require('../../src/core/templates');
      expect(loaded).toBe(0);
      expect(renderTemplate('runtimes/go/go.mod.hbs', { module: 'orders' })).toMatch(/^module orders$/m);
      renderTemplate('runtimes/go/go.mod.hbs', { module: 'billing' });
      expect(loaded).toBe(1);
    });
  });
});
