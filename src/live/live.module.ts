import { Module } from '@nestjs/common';
import { AdminPresence } from './admin-presence';
import { LiveGateway } from './live.gateway';
import { LiveHub } from './live-hub';

@Module({ providers: [LiveGateway, LiveHub, AdminPresence] })
export class LiveModule {}
