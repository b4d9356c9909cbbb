import { Module } from '@nestjs/common';
import { PickerController } from './picker.controller';
import { PickerService } from './picker.service';
import { RandomSource } from './random-source';

@Module({
  controllers: [PickerController],
  providers: [PickerService, RandomSource],
})
export class PickerModule {}
