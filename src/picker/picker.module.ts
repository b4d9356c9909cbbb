import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { PickerController } from './picker.controller';
import { PickerService } from './picker.service';
import { RandomSource } from './random-source';

@Module({
  imports: [SessionsModule],
  controllers: [PickerController],
  providers: [PickerService, RandomSource],
  exports: [PickerService],
})
export class PickerModule {}
