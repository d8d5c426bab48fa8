import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import path from 'node:path';
import { Public } from '@ki/platform';

const assets: Record<string, string> = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  // One module per picture (plain SVG, no library): see the README, section on the console.
  'svg.js': 'text/javascript; charset=utf-8',
  'topology.js': 'text/javascript; charset=utf-8',
  'journey-timeline.js': 'text/javascript; charset=utf-8',
  'groups.js': 'text/javascript; charset=utf-8',
  'bulk-replay.js': 'text/javascript; charset=utf-8',
  'cluster.js': 'text/javascript; charset=utf-8',
};

/** The operators' web page: static HTML, small scripts and a style sheet. Open; the page asks for the key. */
@ApiExcludeController()
@Public()
@Controller()
export class UiHttpController {
  @Get()
  page(@Res() res: Response) {
    res.type('text/html; charset=utf-8').sendFile(path.join(__dirname, 'index.html'));
  }

  @Get('ui/:asset')
  asset(@Param('asset') asset: string, @Res() res: Response) {
    const type = assets[asset];
    if (!type) {
      res.status(404).json({ statusCode: 404, message: `no asset ${asset}` });
      return;
    }
    res.type(type).sendFile(path.join(__dirname, asset));
  }
}
