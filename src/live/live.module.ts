import { Module } from '@nestjs/common';
import { LiveGateway } from './live.gateway';
import { LiveHub } from './live-hub';

@Module({ providers: [LiveGateway, LiveHub] })
export class LiveModule {}
